// concurrent_benefits — 同一人同月享受互斥补贴
// Payments under the programmes of the exclusive sets to people paid under two or more of those programmes;
// graphaudit groups them by recipient and calendar month and flags a month with two or more programmes of
// one set.  (Someone paid under one programme only cannot be flagged: leaving them out here spares reading
// nearly every means-tested payment.)
// Parameters:
//   $programs  every programme of the policy file's exclusive_sets (default {低保, 特困供养}, {城镇低保, 农村低保})
// Returns one row per payment.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)
WHERE pay.program IN $programs
WITH r, count(DISTINCT pay.program) AS programs
WHERE programs >= 2
MATCH (pay:Payment)-[:PAID_TO]->(r)
WHERE pay.program IN $programs
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name
