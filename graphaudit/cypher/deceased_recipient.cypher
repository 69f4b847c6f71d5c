// deceased_recipient — 死亡人员仍领取补贴
// Flags payments dated after the recipient's recorded death: Person.death_date from the household register,
// or, where the register has none, from the deaths register (火化/殡葬/医院/公安: Person.death_source says
// which).  People registered as 死亡 without a death date anywhere cannot be dated and are not flagged.
// Parameters:
//   grace_days  default 0 (0–366): applied by graphaudit after the query — payments up to grace_days after
//               the death are let through (a month's allowance paid just after a death); when left at 0,
//               the policy file's grace_days applies
// Returns one row per recipient, with the payments after the death and their approvers.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)
WHERE r.death_date IS NOT NULL AND pay.pay_date > r.death_date
OPTIONAL MATCH (ap:Person)-[:APPROVED]->(pay)
RETURN r.id AS recipient_id, r.name AS recipient_name, r.death_date AS death_date, r.death_source AS death_source,
       collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
                org_code: pay.village_code, approver_id: ap.id, approver_name: ap.name}) AS payments
