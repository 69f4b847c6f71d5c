// kin_contract — 干部亲属承揽本单位工程 (LadybugDB dialect; see kin_contract.cypher)
// Flags contracts whose contractor is, or is a company whose legal representative or shareholder (through up
// to company_levels company levels) is, a cadre of the issuing organisation in office on the signing date or
// a relative of that cadre within kin_hops kinship edges.
// Parameters (substituted by graphaudit where marked /*name*/):
//   kin_hops        default 3 (1–5)
//   company_levels  default 2 (1–3)
//   $cadres, $contractors  ids from query `roles`: both walks start from nodes filtered by `IN $list` in
//                   the same clause (~100× faster in LadybugDB than from nodes bound earlier)
MATCH own = (b:Person)-[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2 /*company_levels*/]->(x)
WHERE x.id IN $contractors
MATCH kin = (c:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(b)
WHERE c.id IN $cadres
MATCH (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, x AS contractor, own, kin
UNION ALL
MATCH own = (b:Person)-[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2 /*company_levels*/]->(x)
WHERE x.id IN $contractors
MATCH kin = (c:Person)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..3 /*kin_hops*/]-(b)
WHERE c.id IN $cadres AND c.id <> b.id
MATCH (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, x AS contractor, own, kin
