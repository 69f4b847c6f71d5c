// kin_contract_persons — 干部或其亲属本人承揽本单位工程 (LadybugDB dialect; see kin_contract_persons.cypher)
// Flags contracts awarded to a person who is a cadre of the issuing organisation in office on the signing
// date, or a relative of that cadre within kin_hops kinship edges.
// Parameters:
//   kin_hops  default 3 (1–5): the number marked /*kin_hops*/ below (substituted by graphaudit)
// Shape (LadybugDB): the walks start from cadres of issuing organisations bound by a first MATCH … WITH
// DISTINCT, and walk and contract are one comma-joined MATCH (see kin_contract.ladybug.cypher).
// The walks are returned as their inner nodes and relationships (kin_mid, kin_rels), never whole: a path's
// end nodes are read with every property by scanning every person (graphaudit reads its ends by id: query
// person_nodes); of a kinship walk's inner people only what names them (id, name, gender, birth_date).
// The contractor is the walk's end person (no column of its own).
MATCH (c:Person)-[:HOLDS]->(:Org)-[:ISSUED]->(:Contract)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0 (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(b:Person),
      (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(b)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels
UNION ALL
MATCH (c:Person)-[:HOLDS]->(:Org)-[:ISSUED]->(:Contract)
WITH DISTINCT c
MATCH (c)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..3 /*kin_hops*/ (e, n | {e.source}, {n.id, n.name, n.gender, n.birth_date})]-(b:Person),
      (c)-[h:HOLDS]->(o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(b)
WHERE c.id <> b.id AND h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN k.id AS contract_id, k.title AS title, k.amount AS amount, k.sign_date AS sign_date, o.id AS org_code,
       o.name AS org_name, h.title AS post, c.id AS cadre_id, b.id AS person_id, nodes(kin) AS kin_mid, rels(kin) AS kin_rels
