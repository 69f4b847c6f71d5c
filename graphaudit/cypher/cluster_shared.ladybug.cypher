// cluster_shared (LadybugDB) — 共用电话、地址、银行账户: the rows of cluster_shared.cypher, with one count per
// identifier type instead of one per type and holder label: the holders of a shared identifier are matched
// once, person or company, and label(x) names which (Neo4j has no label(); its text keeps one branch per
// label).  A company has no household_id or village_code: its household is its id, its village ''.
// Parameters:
//   $max_holders  default 10: households above which a shared identifier is ignored
MATCH (i:Phone)<-[:HAS_PHONE]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_PHONE]-(x)
RETURN 'Phone' AS kind, i.id AS ident, label(x) AS label, x.id AS id, coalesce(x.household_id, x.id) AS household,
       coalesce(x.village_code, '') AS village_code
UNION ALL
MATCH (i:Address)<-[:HAS_ADDRESS]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_ADDRESS]-(x)
RETURN 'Address' AS kind, i.id AS ident, label(x) AS label, x.id AS id, coalesce(x.household_id, x.id) AS household,
       coalesce(x.village_code, '') AS village_code
UNION ALL
MATCH (i:BankAccount)<-[:HAS_ACCOUNT]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_ACCOUNT]-(x)
RETURN 'BankAccount' AS kind, i.id AS ident, label(x) AS label, x.id AS id, coalesce(x.household_id, x.id) AS household,
       coalesce(x.village_code, '') AS village_code
