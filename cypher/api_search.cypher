// api_search — 搜索: people, households, companies and organisations whose id or name matches $q.
// Used by the API's search endpoint (graphaudit/api/search.py). Each part returns at most $limit rows, best
// first: rank 0 exact id, 1 exact name, 2 id or name starting with $q, 3 name containing $q. A household's
// caption is its id, returned once (LadybugDB 0.22 crashes on a property projected twice in a UNION part).
// Parameters:
//   $q       the text typed (no default; 1–64 characters)
//   $labels  list of labels to search, subset of Person, Household, Company, Org (no default)
//   $limit   rows per label (no default)
MATCH (n:Person)
WHERE 'Person' IN $labels AND (n.id STARTS WITH $q OR n.name CONTAINS $q)
RETURN 'Person' AS label, n.id AS id, n.name AS caption, n.household_id AS note, n.village_code AS place,
       CASE WHEN n.id = $q THEN 0 WHEN n.name = $q THEN 1 WHEN n.id STARTS WITH $q OR n.name STARTS WITH $q THEN 2
            ELSE 3 END AS rank
ORDER BY rank, caption, id LIMIT $limit
UNION ALL
MATCH (n:Household)
WHERE 'Household' IN $labels AND n.id STARTS WITH $q
RETURN 'Household' AS label, n.id AS id, '' AS caption, n.address AS note, n.village_code AS place,
       CASE WHEN n.id = $q THEN 0 ELSE 2 END AS rank
ORDER BY rank, id LIMIT $limit
UNION ALL
MATCH (n:Company)
WHERE 'Company' IN $labels AND (n.id STARTS WITH $q OR n.name CONTAINS $q)
RETURN 'Company' AS label, n.id AS id, n.name AS caption, n.legal_rep_name AS note, n.address AS place,
       CASE WHEN n.id = $q THEN 0 WHEN n.name = $q THEN 1 WHEN n.id STARTS WITH $q OR n.name STARTS WITH $q THEN 2
            ELSE 3 END AS rank
ORDER BY rank, caption, id LIMIT $limit
UNION ALL
MATCH (n:Org)
WHERE 'Org' IN $labels AND (n.id STARTS WITH $q OR n.name CONTAINS $q)
RETURN 'Org' AS label, n.id AS id, n.name AS caption, n.level AS note, '' AS place,
       CASE WHEN n.id = $q THEN 0 WHEN n.name = $q THEN 1 WHEN n.id STARTS WITH $q OR n.name STARTS WITH $q THEN 2
            ELSE 3 END AS rank
ORDER BY rank, caption, id LIMIT $limit
