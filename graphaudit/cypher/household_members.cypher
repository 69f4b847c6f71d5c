// household_members — 一户一档: the members of households, as registered.
// Used by the person card (graphaudit.api.people).
// Parameters:
//   ids  the household ids
MATCH (p:Person)-[m:MEMBER_OF]->(h:Household)
WHERE h.id IN $ids
RETURN h.id AS household_id, h.address AS address, h.village_code AS village_code, p.id AS id, p.name AS name,
       m.relation AS relation, p.status AS status
ORDER BY household_id, id
