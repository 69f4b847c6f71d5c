// cadre_posts — 任职记录: every post (HOLDS) with its dates.
// Used by every check that names or dates a cadre's post (a cadre counts only while in post:
// start_date <= date <= end_date, or end_date null); graphaudit picks the people it needs from these rows.
// Parameters: none.
MATCH (p:Person)-[h:HOLDS]->(o:Org)
RETURN p.id AS person_id, h.title AS title, o.id AS org_id, o.name AS org_name,
       h.start_date AS start_date, h.end_date AS end_date
ORDER BY person_id, org_id, title, start_date
