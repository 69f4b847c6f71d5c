// person_facts — 人员基本信息: people by id, with their posts (null when none).
// Used by the case page's people table (姓名/职务/与干部关系/村) and the person card (graphaudit.api.records).
// Parameters:
//   ids  the resident ids (or register keys)
MATCH (p:Person)
WHERE p.id IN $ids
OPTIONAL MATCH (p)-[h:HOLDS]->(o:Org)
RETURN p.id AS id, p.name AS name, p.gender AS gender, p.birth_date AS birth_date,
       p.death_date AS death_date, p.status AS status, p.household_id AS household_id,
       p.relation AS relation, p.village_code AS village_code, p.address AS address, p.phone AS phone,
       h.title AS title, o.id AS org_id, o.name AS org_name, h.start_date AS start_date, h.end_date AS end_date
ORDER BY id, start_date
