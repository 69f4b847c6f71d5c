// reciprocal_approval_contracts — 干部之间相互为对方亲属审批（工程合同）
// The contracts side of reciprocal_approval: every contract that one approver (a) approved and that was
// awarded to another approver (b) or b's relative within `hops` kinship edges, or to a company such a person
// represents or holds shares in (directly or through one shareholding company).
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below (Cypher cannot parameterise a variable-length
//         bound; graphaudit writes the validated number there)
// Returns one row per approver a, other approver b, person r on b's side, shortest kinship path kin (b → r)
// and ownership path own (r → contractor; length 0 when r is the contractor), with a's contracts.
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH kin = (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(r:Person)
MATCH own = (r)-[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2]->(x)
MATCH (x)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a:Person)
WHERE a <> b
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin, own,
       collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
UNION ALL
MATCH (b:Person)-[:APPROVED]->()
WITH DISTINCT b
MATCH (b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*1..2 /*hops*/]-(r:Person)
      -[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2]->()<-[:AWARDED_TO]-(:Contract)<-[:APPROVED]-(a:Person)
WHERE r <> b AND a <> b
WITH DISTINCT a, b, r
MATCH own = (r)-[:LEGAL_REP_OF|SHAREHOLDER_OF*0..2]->(x)
MATCH (x)<-[:AWARDED_TO]-(k:Contract)<-[:APPROVED]-(a)
WITH a, b, r, own, collect({id: k.id, kind: 'Contract', what: k.title, amount: k.amount, date: k.sign_date, org_code: k.org_code}) AS records
MATCH kin = allShortestPaths((b)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..2 /*hops*/]-(r))
RETURN a.id AS approver_id, b.id AS other_id, r.id AS recipient_id, kin, own, records
