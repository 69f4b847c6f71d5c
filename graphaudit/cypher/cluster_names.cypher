// cluster_names — 企业与单位名称: the names of the companies and organisations of collusive clusters.
// Parameters:
//   $ids  company ids (USCC) and organisation codes (no default)
MATCH (c:Company) WHERE c.id IN $ids
RETURN 'Company' AS label, c.id AS id, c.name AS name
UNION ALL
MATCH (o:Org) WHERE o.id IN $ids
RETURN 'Org' AS label, o.id AS id, o.name AS name
