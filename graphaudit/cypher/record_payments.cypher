// record_payments — 发放记录: payments by id, with their approver and recipient.
// Used by the case page's payments table (日期/项目/金额/审批人/领取人) and the DOCX 交办单
// (graphaudit.api.records).
// Parameters:
//   ids  the payment ids
MATCH (p:Payment)
WHERE p.id IN $ids
OPTIONAL MATCH (a:Person)-[:APPROVED]->(p)
OPTIONAL MATCH (p)-[:PAID_TO]->(r:Person)
RETURN p.id AS id, p.pay_date AS date, p.program AS program, p.amount AS amount,
       a.id AS approver_id, a.name AS approver, r.id AS recipient_id, r.name AS recipient,
       p.village_code AS village_code, p.bank_account AS bank_account
ORDER BY date, id
