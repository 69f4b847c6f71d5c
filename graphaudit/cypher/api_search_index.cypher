// api_search_index — 搜索索引: every person, household, company and organisation with what search matches
// and shows: id, caption (name; empty for a household, whose caption is its id — LadybugDB 0.22 crashes on
// a property projected twice in one UNION part), a note and a place.  The API loads it once per version
// of the data into its in-memory search index (graphaudit/api/searchindex.py): a name scan in the
// embedded engine costs ~135 ms per query on a county, the index answers in about a millisecond.
// Parameters: none.
MATCH (n:Person)
RETURN 'Person' AS label, n.id AS id, n.name AS caption, n.household_id AS note, n.village_code AS place
UNION ALL
MATCH (n:Household)
RETURN 'Household' AS label, n.id AS id, '' AS caption, n.address AS note, n.village_code AS place
UNION ALL
MATCH (n:Company)
RETURN 'Company' AS label, n.id AS id, n.name AS caption, n.legal_rep_name AS note, n.address AS place
UNION ALL
MATCH (n:Org)
RETURN 'Org' AS label, n.id AS id, n.name AS caption, n.level AS note, '' AS place
