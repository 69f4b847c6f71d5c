// kin_contract — 干部亲属承揽本单位工程
// Flags contracts whose contractor is a company whose legal representative or shareholder (directly or
// through a shareholding company, up to company_levels company levels) is a cadre of the issuing
// organisation or a relative within kin_hops kinship edges (contracts awarded to the person themself:
// kin_contract_persons).  Date-aware: the cadre must hold a post in the issuing organisation on
// the signing date (start_date <= sign_date <= end_date, or end_date null).
// Parameters (numbers marked /*name*/ are substituted by graphaudit: Cypher cannot parameterise a
// variable-length bound; edit them by hand here):
//   kin_hops        default 3 (1–5): kinship edges between cadre and contractor's person
//   company_levels  default 2 (1–3): LEGAL_REP_OF / SHAREHOLDER_OF steps from that person to the contractor
// Returns one row per contract, cadre, person, ownership path `own` (person → contractor company) and
// shortest kinship path `kin` (cadre → person; length 0 for the cadre).
MATCH (c:Person)-[:HOLDS]->(:Org)-[:ISSUED]->(:Contract)
WITH DISTINCT c
MATCH kin = (c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(b:Person)
MATCH own = (b)-[:LEGAL_REP_OF|SHAREHOLDER_OF*1..2 /*company_levels*/]->(x:Company)
MATCH (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, x AS contractor, own, kin
UNION ALL
MATCH (c:Person)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x:Company)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
MATCH own = (b:Person)-[:LEGAL_REP_OF|SHAREHOLDER_OF*1..2 /*company_levels*/]->(x)
WHERE b <> c
MATCH kin = allShortestPaths((c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..3 /*kin_hops*/]-(b))
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, x AS contractor, own, kin
