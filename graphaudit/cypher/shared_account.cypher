// shared_account — 多户补贴资金汇入同一银行账户
// Flags bank accounts into which payments for recipients of `min_households` or more different households
// were paid (PAID_INTO).  A recipient's household is the register's household_id, else the payment's
// household_id, else the recipient (a person outside the register counts as a household of one).  The
// accounts are counted first and only those flagged have their payments collected (most accounts take one
// household's money).
// Parameters:
//   $min_households  default 2 (2–100)
// Returns one row per account, with its households and every payment paid into it.
MATCH (a:BankAccount)<-[:PAID_INTO]-(pay:Payment)-[:PAID_TO]->(r:Person)
WITH a,
     CASE WHEN r.household_id IS NOT NULL AND r.household_id <> '' THEN r.household_id
          WHEN pay.household_id IS NOT NULL AND pay.household_id <> '' THEN pay.household_id
          ELSE r.id END AS household
WITH a, count(DISTINCT household) AS n
WHERE n >= $min_households
MATCH (a)<-[:PAID_INTO]-(pay:Payment)-[:PAID_TO]->(r:Person)
WITH a, pay, r,
     CASE WHEN r.household_id IS NOT NULL AND r.household_id <> '' THEN r.household_id
          WHEN pay.household_id IS NOT NULL AND pay.household_id <> '' THEN pay.household_id
          ELSE r.id END AS household
WITH a, collect(DISTINCT household) AS households,
     collect({id: pay.id, program: pay.program, amount: pay.amount, pay_date: pay.pay_date,
              org_code: pay.village_code, approver_id: pay.approver_id, recipient_id: r.id,
              recipient_name: r.name, household: household}) AS payments
RETURN a.id AS account, households, payments
