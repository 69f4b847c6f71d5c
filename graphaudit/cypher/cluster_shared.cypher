// cluster_shared — 共用电话、地址、银行账户: the shared-identifier edges of the collusive-cluster projection
// (graphaudit.clusters).  Returns one row per holder (person or company) of a phone, address or bank account
// that holders of at least 2 and at most $max_holders different households share (a company counts as its
// own household; an identifier shared by more is an office's or a village's, not a hidden link).
// graphaudit pairs the holders of different households and keeps the pairs touching the scope.
// Parameters:
//   $max_holders  default 10: households above which a shared identifier is ignored
MATCH (i:Phone)<-[:HAS_PHONE]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_PHONE]-(x:Person)
RETURN 'Phone' AS kind, i.id AS ident, 'Person' AS label, x.id AS id, coalesce(x.household_id, x.id) AS household,
       coalesce(x.village_code, '') AS village_code
UNION ALL
MATCH (i:Phone)<-[:HAS_PHONE]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_PHONE]-(x:Company)
RETURN 'Phone' AS kind, i.id AS ident, 'Company' AS label, x.id AS id, coalesce(x.id, x.id) AS household,
       '' AS village_code
UNION ALL
MATCH (i:Address)<-[:HAS_ADDRESS]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_ADDRESS]-(x:Person)
RETURN 'Address' AS kind, i.id AS ident, 'Person' AS label, x.id AS id, coalesce(x.household_id, x.id) AS household,
       coalesce(x.village_code, '') AS village_code
UNION ALL
MATCH (i:Address)<-[:HAS_ADDRESS]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_ADDRESS]-(x:Company)
RETURN 'Address' AS kind, i.id AS ident, 'Company' AS label, x.id AS id, coalesce(x.id, x.id) AS household,
       '' AS village_code
UNION ALL
MATCH (i:BankAccount)<-[:HAS_ACCOUNT]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_ACCOUNT]-(x:Person)
RETURN 'BankAccount' AS kind, i.id AS ident, 'Person' AS label, x.id AS id, coalesce(x.household_id, x.id) AS household,
       coalesce(x.village_code, '') AS village_code
UNION ALL
MATCH (i:BankAccount)<-[:HAS_ACCOUNT]-(h)
WITH i, count(DISTINCT coalesce(h.household_id, h.id)) AS n
WHERE n >= 2 AND n <= $max_holders
MATCH (i)<-[:HAS_ACCOUNT]-(x:Company)
RETURN 'BankAccount' AS kind, i.id AS ident, 'Company' AS label, x.id AS id, coalesce(x.id, x.id) AS household,
       '' AS village_code
