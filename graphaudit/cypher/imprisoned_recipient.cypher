// imprisoned_recipient — 在押服刑人员仍领取补贴
// Flags payments dated inside a custody period of the recipient (Custody.start_date <= pay_date <=
// Custody.end_date, or still in custody).
// Parameters:
//   grace_days  policy file (default 0): applied by graphaudit after the query — payments up to grace_days
//               after entering custody are let through
// Returns one row per payment and custody period.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:IN_CUSTODY]->(c:Custody)
WHERE c.start_date <= pay.pay_date AND (c.end_date IS NULL OR pay.pay_date <= c.end_date)
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name, c.id AS custody_id, c.start_date AS start_date, c.end_date AS end_date
