// deceased_recipient — 死亡人员仍领取补贴
// Flags payments dated after the recipient's recorded death (Person.death_date from the household register).
// People registered as 死亡 without a death date cannot be dated and are not flagged.
// Parameters:
//   grace_days  default 0 (0–366): applied by graphaudit after the query — payments up to grace_days after
//               the death are let through (a month's allowance paid just after a death)
// Returns one row per recipient, with the payments after the death and their approvers.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)
WHERE r.death_date IS NOT NULL AND pay.pay_date > r.death_date
OPTIONAL MATCH (ap:Person)-[:APPROVED]->(pay)
RETURN r.id AS recipient_id, r.name AS recipient_name, r.death_date AS death_date,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code, approver_id: ap.id, approver_name: ap.name}) AS payments
