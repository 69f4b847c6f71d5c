// cluster_kin — 亲属边: the kinship edges of the collusive-cluster projection (graphaudit.clusters).
// Returns one row per stored SPOUSE_OF / PARENT_OF / SIBLING_OF edge, as stored (a → b; for PARENT_OF a is
// the parent), with the edge type, where at least one of the two people is registered in the scope.
// Parameters:
//   $prefix  org-code prefix of the scope: a county (6 digits), township (9) or village (12); '' = everything
MATCH (a:Person)-[:SPOUSE_OF]->(b:Person)
WHERE coalesce(a.village_code, '') STARTS WITH $prefix OR coalesce(b.village_code, '') STARTS WITH $prefix
RETURN a.id AS a, b.id AS b, 'SPOUSE_OF' AS rel
UNION ALL
MATCH (a:Person)-[:PARENT_OF]->(b:Person)
WHERE coalesce(a.village_code, '') STARTS WITH $prefix OR coalesce(b.village_code, '') STARTS WITH $prefix
RETURN a.id AS a, b.id AS b, 'PARENT_OF' AS rel
UNION ALL
MATCH (a:Person)-[:SIBLING_OF]->(b:Person)
WHERE coalesce(a.village_code, '') STARTS WITH $prefix OR coalesce(b.village_code, '') STARTS WITH $prefix
RETURN a.id AS a, b.id AS b, 'SIBLING_OF' AS rel
