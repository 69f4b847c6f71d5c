// cluster_ownership — 企业控制关系: the ownership edges of the collusive-cluster projection
// (graphaudit.clusters): every LEGAL_REP_OF and SHAREHOLDER_OF edge, person → company and company → company,
// with the holder's registered village (graphaudit keeps an edge in a restricted scope when the person is
// registered there or the company, or one it holds shares in, was awarded a contract of the scope).
// Parameters: none.
MATCH (p:Person)-[:LEGAL_REP_OF]->(c:Company)
RETURN 'Person' AS holder_label, p.id AS holder, coalesce(p.village_code, '') AS village_code, c.id AS company,
       'LEGAL_REP_OF' AS rel
UNION ALL
MATCH (p:Person)-[:SHAREHOLDER_OF]->(c:Company)
RETURN 'Person' AS holder_label, p.id AS holder, coalesce(p.village_code, '') AS village_code, c.id AS company,
       'SHAREHOLDER_OF' AS rel
UNION ALL
MATCH (h:Company)-[:SHAREHOLDER_OF]->(c:Company)
RETURN 'Company' AS holder_label, h.id AS holder, '' AS village_code, c.id AS company, 'SHAREHOLDER_OF' AS rel
