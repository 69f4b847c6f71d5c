// ineligible_vehicles — 低保、特困供养家庭成员名下有车辆（供 ineligible_recipient 使用）
// Means-tested payments whose recipient's household has, on the pay date, a member owning a registered
// vehicle (register_date <= pay_date < deregister_date, or not deregistered).  Which types count (exempt:
// 摩托车, 三轮, 低速货车, 拖拉机) is the policy file's vehicles.exempt / vehicles.counted: graphaudit reads the
// register's types (query vehicle_types), picks those that count and passes them here, so the rows of exempt
// vehicles (most of them) are never returned.
// Parameters:
//   $programs    the means-tested programmes (policy file: means_tested)
//   $types       the vehicle types that count
//   $null_type   whether a vehicle with no type counts
// Returns one row per payment and vehicle.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:MEMBER_OF]->(h:Household)
MATCH (h)<-[:MEMBER_OF]-(m:Person)-[:OWNS_VEHICLE]->(a:Vehicle)
WHERE pay.program IN $programs AND a.register_date <= pay.pay_date
  AND (a.vehicle_type IN $types OR (a.vehicle_type IS NULL AND $null_type))
  AND (a.deregister_date IS NULL OR pay.pay_date < a.deregister_date)
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name, h.id AS household_id, m.id AS member_id, m.name AS member_name,
       m.relation AS member_relation, a.id AS asset_id, a.vehicle_type AS what, a.plate AS plate,
       a.register_date AS since, a.deregister_date AS until
