// cluster_posts — 任职: every post (HOLDS) in organisations of the scope, with its dates, for the
// collusive-cluster check (a cadre's relatives count while the cadre holds a post in the record's organisation).
// Parameters:
//   $prefix  org-code prefix of the scope; '' = everything
MATCH (p:Person)-[h:HOLDS]->(o:Org)
WHERE o.id STARTS WITH $prefix
RETURN p.id AS person_id, h.title AS title, o.id AS org_id, o.name AS org_name,
       h.start_date AS start_date, h.end_date AS end_date
ORDER BY person_id, org_id, title, start_date
