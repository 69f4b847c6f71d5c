// cluster_kin (LadybugDB) — 亲属边: the rows of cluster_kin.cypher from one scan of the three kinship tables
// (a relationship-type alternation, label(r) naming the type) rather than one per type, and the scope test
// skipped when $prefix is '' (everything): a prefecture has 6.5M kinship edges, and reading the two ends'
// villages for each took a third of the query.
// Parameters:
//   $prefix  org-code prefix of the scope: a county (6 digits), township (9) or village (12); '' = everything
MATCH (a:Person)-[r:SPOUSE_OF|PARENT_OF|SIBLING_OF]->(b:Person)
WHERE $prefix = '' OR coalesce(a.village_code, '') STARTS WITH $prefix
      OR coalesce(b.village_code, '') STARTS WITH $prefix
RETURN a.id AS a, b.id AS b, label(r) AS rel
