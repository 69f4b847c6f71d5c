// ineligible_companies — 低保、特困供养家庭成员是企业法定代表人或股东（供 ineligible_recipient 使用）
// Means-tested payments whose recipient's household has a member who is a company's legal representative
// or shareholder (the companies register carries no dates: the link counts on every pay date).
// Parameters:
//   $programs  the means-tested programmes (policy file: means_tested)
// Returns one row per payment, member, company and role.
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:MEMBER_OF]->(h:Household)
MATCH (h)<-[:MEMBER_OF]-(m:Person)-[:LEGAL_REP_OF]->(a:Company)
WHERE pay.program IN $programs
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name, h.id AS household_id, m.id AS member_id, m.name AS member_name,
       m.relation AS member_relation, a.id AS asset_id, a.name AS what, '法定代表人' AS role
UNION ALL
MATCH (pay:Payment)-[:PAID_TO]->(r:Person)-[:MEMBER_OF]->(h:Household)
MATCH (h)<-[:MEMBER_OF]-(m:Person)-[:SHAREHOLDER_OF]->(a:Company)
WHERE pay.program IN $programs
RETURN pay.id AS id, pay.program AS program, pay.amount AS amount, pay.pay_date AS pay_date,
       pay.village_code AS org_code, pay.approver_id AS approver_id, r.id AS recipient_id,
       r.name AS recipient_name, h.id AS household_id, m.id AS member_id, m.name AS member_name,
       m.relation AS member_relation, a.id AS asset_id, a.name AS what, '股东' AS role
