// kin_contract_persons — 干部或其亲属本人承揽本单位工程 (the person side of kin_contract)
// Flags contracts awarded to a person who is a cadre of the issuing organisation, or a relative of such a
// cadre within kin_hops kinship edges.  Date-aware: the cadre must hold a post in the issuing organisation
// on the signing date (start_date <= sign_date <= end_date, or end_date null).  Contracts awarded to a
// company the person represents or holds: kin_contract.
// Parameters:
//   kin_hops  default 3 (1–5): the number marked /*kin_hops*/ below.  Cypher cannot take a parameter as a
//             variable-length bound, so graphaudit writes the validated number there; edit it by hand here.
// Returns one row per contract, cadre, contractor person and shortest kinship path `kin` (cadre → person;
// length 0 when the cadre is the contractor).
MATCH (c:Person)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(c)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
MATCH kin = (c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(b:Person)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, b AS contractor, kin
UNION ALL
MATCH (c:Person)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(b:Person)
WHERE b <> c AND h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
MATCH kin = allShortestPaths((c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..3 /*kin_hops*/]-(b))
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, b AS contractor, kin
