// kin_contract — 干部亲属承揽本单位工程 (LadybugDB dialect; see kin_contract.cypher)
// Flags contracts whose contractor is a company whose legal representative or shareholder (through up
// to company_levels company levels) is a cadre of the issuing organisation in office on the signing date or
// a relative of that cadre within kin_hops kinship edges.
// Parameters (substituted by graphaudit where marked /*name*/):
//   kin_hops        default 3 (1–5)
//   company_levels  default 2 (1–3)
// Shape (LadybugDB): the walks start from cadres of issuing organisations bound by a first MATCH … WITH
// DISTINCT (an `id IN $list` filter scans every person once per list element); the kinship walk, the
// ownership walk and the contract are one comma-joined MATCH; and the walk ends in a Company (a walk that
// may end in a Person is planned ~20× slower).  Contracts awarded to the person: kin_contract_persons.
// The walks are returned as their inner nodes and relationships (kin_mid, kin_rels …), never whole: a path's
// end nodes are read with every property by scanning every person (graphaudit reads its ends by id: query
// person_nodes); of a kinship walk's inner people only what names them (id, name, gender, birth_date).
MATCH (c:Person)-[:HOLDS]->(:Org)-[:ISSUED]->(:Contract)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0 (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(b:Person),
      (b)-[own:LEGAL_REP_OF|SHAREHOLDER_OF*1..2 /*company_levels*/]->(x:Company),
      (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, x AS contractor,
       nodes(own) AS own_mid, rels(own) AS own_rels, nodes(kin) AS kin_mid, rels(kin) AS kin_rels
UNION ALL
MATCH (c:Person)-[:HOLDS]->(:Org)-[:ISSUED]->(:Contract)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..3 /*kin_hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(b:Person),
      (b)-[own:LEGAL_REP_OF|SHAREHOLDER_OF*1..2 /*company_levels*/]->(x:Company),
      (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x)
WHERE c.id <> b.id AND h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, x AS contractor,
       nodes(own) AS own_mid, rels(own) AS own_rels, nodes(kin) AS kin_mid, rels(kin) AS kin_rels
