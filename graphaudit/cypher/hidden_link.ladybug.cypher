// hidden_link — 承包企业与干部或其亲属共用电话、地址或银行账户 (LadybugDB dialect; see hidden_link.cypher)
// Flags contractor companies sharing a phone, address or bank account with a cadre, or a cadre's relative
// within `hops` kinship edges, counting the company's contracts signed while the cadre held a post.  The
// company's own legal representative and shareholders are left out.
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
// Shape (LadybugDB): the walks start from cadres bound by a first MATCH … WITH DISTINCT (an `id IN $list`
// filter scans every person once per list element), and walk, shared identifier, post and contracts are
// one comma-joined MATCH; the company's owners are dropped with OPTIONAL MATCH … IS NULL (NOT EXISTS is
// planned slower).
// The walk is returned as its inner nodes and relationships (kin_mid, kin_rels), never whole: a path's end
// nodes are read with every property by scanning every person (graphaudit reads its ends by id: query
// person_nodes); of its inner people only what names them (id, name, gender, birth_date).
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0 (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(p:Person),
      (p)-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]->(idn)<-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]-(co:Company),
      (c)-[h:HOLDS]->(:Org), (ko:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(co)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
OPTIONAL MATCH (p)-[owner:LEGAL_REP_OF|SHAREHOLDER_OF]->(co)
WITH c, p, co, idn, kin, k, ko, h, owner
WHERE owner IS NULL
RETURN c.id AS cadre_id, p.id AS person_id, co AS company, idn AS shared, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       collect({id: k.id, title: k.title, amount: k.amount, sign_date: k.sign_date, org_code: ko.id,
                org_name: ko.name, post: h.title}) AS contracts
UNION ALL
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(p:Person),
      (p)-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]->(idn)<-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]-(co:Company),
      (c)-[h:HOLDS]->(:Org), (ko:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(co)
WHERE c.id <> p.id AND h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
OPTIONAL MATCH (p)-[owner:LEGAL_REP_OF|SHAREHOLDER_OF]->(co)
WITH c, p, co, idn, kin, k, ko, h, owner
WHERE owner IS NULL
RETURN c.id AS cadre_id, p.id AS person_id, co AS company, idn AS shared, nodes(kin) AS kin_mid, rels(kin) AS kin_rels,
       collect({id: k.id, title: k.title, amount: k.amount, sign_date: k.sign_date, org_code: ko.id,
                org_name: ko.name, post: h.title}) AS contracts
