// duplicate_payment — 同一人同一项目同月重复领取
// Flags recipients paid two or more times under the same programme in the same calendar month.
// Parameters: none.
// Returns one row per recipient, programme and month (yyyymm) with the payments of that month.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)
WITH r, pay.program AS program, pay.pay_date.year * 100 + pay.pay_date.month AS month,
     collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
              org_code: pay.village_code, approver_id: pay.approver_id}) AS payments
WHERE size(payments) >= 2
RETURN r.id AS recipient_id, r.name AS recipient_name, program, month, payments
