// roles — 起点: the ids of cadres (HOLDS), approvers (APPROVED) and contractors (AWARDED_TO targets).
// The starting points of the kinship and ownership walks of the kin checks: graphaudit passes them as
// $cadres, $approvers and $contractors (the embedded engine walks ~100× faster from a node filtered by
// `id IN $list` than from nodes bound by an earlier clause).
// Parameters: none.
MATCH (p:Person)-[:HOLDS]->(:Org)
RETURN DISTINCT 'cadre' AS role, p.id AS id
UNION ALL
MATCH (p:Person)-[:APPROVED]->()
RETURN DISTINCT 'approver' AS role, p.id AS id
UNION ALL
MATCH (:Contract)-[:AWARDED_TO]->(x)
RETURN DISTINCT 'contractor' AS role, x.id AS id
