// case_orgs — 单位名称: every organisation's code and name.
// Used by graphaudit.cases.fold to name a case's village or township (org_name).
// Parameters: none.
MATCH (o:Org)
RETURN o.id AS id, o.name AS name
ORDER BY id
