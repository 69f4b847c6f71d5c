// above_standard — 发放金额超过项目标准
// Payments above the lowest monthly standard of the policy file's programmes; graphaudit compares each with
// its own programme's standard (policy file: standards, yuan per month; default 低保 1500, 特困供养 1200).
// Parameters:
//   $programs  the programmes that have a standard
//   $floor     the lowest of their standards
// Returns one row per payment.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)
WHERE pay.program IN $programs AND pay.amount > $floor
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name
