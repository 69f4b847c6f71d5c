// collusive_cluster — 审批资金流: the approval edges of the collusive-cluster projection (graphaudit.clusters).
// Returns one row per approved record in the scope: the approver, the record (a payment or a contract) and
// the party it went to (the payment's recipient; the contract's contractor, a company or a person), with
// the record's money, date, organisation and what it was for (programme or contract title).
// Parameters:
//   $prefix  org-code prefix of the scope (payment village_code, contract's issuing org); '' = everything
MATCH (a:Person)-[:APPROVED]->(p:Payment)-[:PAID_TO]->(r:Person)
WHERE coalesce(p.village_code, '') STARTS WITH $prefix
RETURN a.id AS approver, p.id AS record, 'Payment' AS kind, p.program AS what, p.amount AS amount,
       p.pay_date AS date, p.village_code AS org_code, 'Person' AS party_label, r.id AS party
UNION ALL
MATCH (a:Person)-[:APPROVED]->(k:Contract)-[:AWARDED_TO]->(c:Company), (o:Org)-[:ISSUED]->(k)
WHERE o.id STARTS WITH $prefix
RETURN a.id AS approver, k.id AS record, 'Contract' AS kind, k.title AS what, k.amount AS amount,
       k.sign_date AS date, o.id AS org_code, 'Company' AS party_label, c.id AS party
UNION ALL
MATCH (a:Person)-[:APPROVED]->(k:Contract)-[:AWARDED_TO]->(c:Person), (o:Org)-[:ISSUED]->(k)
WHERE o.id STARTS WITH $prefix
RETURN a.id AS approver, k.id AS record, 'Contract' AS kind, k.title AS what, k.amount AS amount,
       k.sign_date AS date, o.id AS org_code, 'Person' AS party_label, c.id AS party
