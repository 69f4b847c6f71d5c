// record_contracts — 合同记录: contracts by id, with their approver.
// Used by the case page's contracts table (名称/金额/签订日期/承包方) and the DOCX 交办单
// (graphaudit.api.records).
// Parameters:
//   ids  the contract ids
MATCH (c:Contract)
WHERE c.id IN $ids
OPTIONAL MATCH (a:Person)-[:APPROVED]->(c)
RETURN c.id AS id, c.title AS title, c.amount AS amount, c.sign_date AS date,
       c.contractor_id AS contractor_id, c.contractor_name AS contractor, c.org_code AS org_code,
       c.method AS method, a.id AS approver_id, a.name AS approver
ORDER BY date, id
