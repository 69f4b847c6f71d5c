// ineligible_housing — 低保、特困供养家庭成员名下住房（供 ineligible_recipient 使用）
// Means-tested payments whose recipient's household members hold, on the pay date, more than
// housing.max_properties registered properties whose use counts as housing (register_date <= pay_date <
// deregister_date, or not deregistered).  graphaudit reads the register's uses (query property_kinds), picks
// those the policy file counts (housing.kinds) and passes them here, so only the payments it flags come back.
// Parameters:
//   $programs        the means-tested programmes (policy file: means_tested)
//   $kinds           the uses that count as housing
//   $null_kind       whether a property with no use counts
//   $max_properties  the properties allowed (policy file: housing.max_properties)
// Returns one row per payment, member and property.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:MEMBER_OF]->(h:Household)
MATCH (h)<-[:MEMBER_OF]-(m:Person)-[o:OWNS_PROPERTY]->(a:RealEstate)
WHERE pay.program IN $programs AND o.register_date <= pay.pay_date
  AND (o.deregister_date IS NULL OR pay.pay_date < o.deregister_date)
  AND (a.kind IN $kinds OR (a.kind IS NULL AND $null_kind))
WITH pay, collect(DISTINCT a.id) AS assets,
     collect({recipient_id: r.id, recipient_name: r.name, household_id: h.id, member_id: m.id,
              member_name: m.name, member_relation: m.relation, asset_id: a.id, what: a.kind, area: a.area,
              since: o.register_date, until: o.deregister_date}) AS held
WHERE size(assets) > $max_properties
UNWIND held AS x
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, x.recipient_id AS recipient_id,
       x.recipient_name AS recipient_name, x.household_id AS household_id, x.member_id AS member_id,
       x.member_name AS member_name, x.member_relation AS member_relation, x.asset_id AS asset_id,
       x.what AS what, x.area AS area, x.since AS since, x.until AS until
