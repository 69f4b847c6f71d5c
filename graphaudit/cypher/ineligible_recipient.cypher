// ineligible_recipient — 不符合条件人员享受低保、特困供养（财政供养人员）
// Flags means-tested payments whose recipient's household (MEMBER_OF, the recipient included) has, on the
// pay date, a member in post as a public employee (Job.start_date <= pay_date <= Job.end_date, or no end).
// Vehicles, housing and companies come from the queries ineligible_vehicles, ineligible_housing and
// ineligible_companies; graphaudit joins the four.
// Two MATCH clauses: the recipient is a member too, and Neo4j does not walk one MEMBER_OF edge twice within
// one pattern.
// Parameters:
//   $programs  the means-tested programmes (policy file: means_tested; default [低保, 特困供养])
// Returns one row per payment and employment.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:MEMBER_OF]->(h:Household)
MATCH (h)<-[:MEMBER_OF]-(m:Person)-[:EMPLOYED]->(a:Job)
WHERE pay.program IN $programs AND a.start_date <= pay.pay_date
  AND (a.end_date IS NULL OR pay.pay_date <= a.end_date)
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name, h.id AS household_id, m.id AS member_id, m.name AS member_name,
       m.relation AS member_relation, a.id AS asset_id, a.employer AS what, a.start_date AS since,
       a.end_date AS until
