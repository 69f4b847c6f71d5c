// ineligible_housing — 低保、特困供养家庭成员名下住房（供 ineligible_recipient 使用）
// Means-tested payments whose recipient's household members hold, on the pay date, registered real estate
// (register_date <= pay_date < deregister_date, or not deregistered).  graphaudit counts the properties whose
// use counts as housing (policy file: housing.kinds) and flags more than housing.max_properties.
// Parameters:
//   $programs  the means-tested programmes (policy file: means_tested)
// Returns one row per payment, member and property.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:MEMBER_OF]->(h:Household)
MATCH (h)<-[:MEMBER_OF]-(m:Person)-[o:OWNS_PROPERTY]->(a:RealEstate)
WHERE pay.program IN $programs AND o.register_date <= pay.pay_date
  AND (o.deregister_date IS NULL OR pay.pay_date < o.deregister_date)
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name, h.id AS household_id, m.id AS member_id, m.name AS member_name,
       m.relation AS member_relation, a.id AS asset_id, a.kind AS what, a.area AS area,
       o.register_date AS since, o.deregister_date AS until
