// payments_of — 发放记录: payments received by or approved by people.
// Used by the person card (graphaudit.api.people).
// Parameters:
//   ids  the resident ids whose payments are wanted (as recipient or approver)
MATCH (p:Payment)-[:PAID_TO]->(r:Person)
WHERE r.id IN $ids
OPTIONAL MATCH (a:Person)-[:APPROVED]->(p)
RETURN p.id AS id, p.pay_date AS date, p.program AS program, p.amount AS amount, a.id AS approver_id,
       a.name AS approver, r.id AS recipient_id, r.name AS recipient, p.village_code AS village_code,
       p.bank_account AS bank_account, 'received' AS role
UNION ALL
MATCH (a:Person)-[:APPROVED]->(p:Payment)-[:PAID_TO]->(r:Person)
WHERE a.id IN $ids
RETURN p.id AS id, p.pay_date AS date, p.program AS program, p.amount AS amount, a.id AS approver_id,
       a.name AS approver, r.id AS recipient_id, r.name AS recipient, p.village_code AS village_code,
       p.bank_account AS bank_account, 'approved' AS role
