// duplicate_payment — 同一人同一项目同月重复领取 (LadybugDB dialect: date_part for year and month)
// Flags recipients paid two or more times under the same programme in the same calendar month.
// Parameters: none.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)
WITH r, pay.program AS program, date_part('year', pay.pay_date) * 100 + date_part('month', pay.pay_date) AS month,
     collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
              org_code: pay.village_code, approver_id: pay.approver_id}) AS payments
WHERE size(payments) >= 2
RETURN r.id AS recipient_id, r.name AS recipient_name, program, month, payments
