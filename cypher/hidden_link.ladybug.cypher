// hidden_link — 承包企业与干部或其亲属共用电话、地址或银行账户 (LadybugDB dialect; see hidden_link.cypher)
// Flags contractor companies sharing a phone, address or bank account with a cadre, or a cadre's relative
// within `hops` kinship edges, counting the company's contracts signed while the cadre held a post.  The
// company's own legal representative and shareholders are left out.
// Parameters:
//   hops     default 2 (1–3): the number marked /*hops*/ below (substituted by graphaudit)
//   $cadres  ids of everyone holding a post (query `roles`): the walks start there (`IN $cadres` in the same
//            clause is ~100× faster in LadybugDB than walks from nodes bound earlier); the WITH between the
//            identifier and the contract patterns keeps the planner fast.
MATCH kin = (c:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(p:Person)
WHERE c.id IN $cadres
MATCH (p)-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]->(idn)<-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]-(co:Company)
WHERE NOT EXISTS { MATCH (p)-[:LEGAL_REP_OF|SHAREHOLDER_OF]->(co) }
WITH c, p, kin, idn, co
MATCH (c)-[h:HOLDS]->(:Org)
MATCH (ko:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(co)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN c.id AS cadre_id, p.id AS person_id, co AS company, idn AS shared, kin,
       collect({id: k.id, title: k.title, amount: k.amount, sign_date: k.sign_date, org_code: ko.id,
                org_name: ko.name, post: h.title}) AS contracts
UNION ALL
MATCH kin = (c:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2 /*hops*/]-(p:Person)
WHERE c.id IN $cadres
MATCH (p)-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]->(idn)<-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]-(co:Company)
WHERE c.id <> p.id AND NOT EXISTS { MATCH (p)-[:LEGAL_REP_OF|SHAREHOLDER_OF]->(co) }
WITH c, p, kin, idn, co
MATCH (c)-[h:HOLDS]->(:Org)
MATCH (ko:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(co)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN c.id AS cadre_id, p.id AS person_id, co AS company, idn AS shared, kin,
       collect({id: k.id, title: k.title, amount: k.amount, sign_date: k.sign_date, org_code: ko.id,
                org_name: ko.name, post: h.title}) AS contracts
