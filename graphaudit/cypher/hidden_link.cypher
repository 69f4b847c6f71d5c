// hidden_link — 承包企业与干部或其亲属共用电话、地址或银行账户
// Flags contractor companies that share a phone, an address or a bank account (HAS_PHONE / HAS_ADDRESS /
// HAS_ACCOUNT to the same node) with a cadre, or with a cadre's relative within `hops` kinship edges.
// Date-aware: only the company's contracts signed while the cadre held a post count (start_date <= sign_date
// <= end_date, or end_date null), whichever organisation issued them.  Sharing with the company's own legal
// representative or a shareholder is not hidden and is left out (kin_contract covers ownership).
// Parameters:
//   hops  default 2 (1–3): the number marked /*hops*/ below.  Cypher cannot take a parameter as a
//         variable-length bound, so graphaudit writes the validated number there; edit it by hand here.
// Returns one row per cadre, person sharing the identifier, company, shared identifier node and shortest
// kinship path (kin runs cadre → person; length 0 when the cadre shares it), with the contracts concerned.
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH kin = (c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*0..0]-(p:Person)
MATCH (p)-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]->(idn)<-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]-(co:Company)
WHERE NOT EXISTS { MATCH (p)-[:LEGAL_REP_OF|SHAREHOLDER_OF]->(co) }
MATCH (c)-[h:HOLDS]->(:Org), (ko:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(co)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
RETURN c.id AS cadre_id, p.id AS person_id, co AS company, idn AS shared, kin,
       collect({id: k.id, title: k.title, amount: k.amount, sign_date: k.sign_date, org_code: ko.id,
                org_name: ko.name, post: h.title}) AS contracts
UNION ALL
MATCH (c:Person)-[:HOLDS]->(:Org)
WITH DISTINCT c
MATCH (c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*1..2 /*hops*/]-(p:Person)
      -[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]->(idn)<-[:HAS_PHONE|HAS_ADDRESS|HAS_ACCOUNT]-(co:Company)
WHERE p <> c AND NOT EXISTS { MATCH (p)-[:LEGAL_REP_OF|SHAREHOLDER_OF]->(co) }
WITH DISTINCT c, p, idn, co
MATCH (c)-[h:HOLDS]->(:Org), (ko:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(co)
WHERE h.start_date <= k.sign_date AND (h.end_date IS NULL OR k.sign_date <= h.end_date)
WITH c, p, co, idn, collect({id: k.id, title: k.title, amount: k.amount, sign_date: k.sign_date,
                             org_code: ko.id, org_name: ko.name, post: h.title}) AS contracts
MATCH kin = allShortestPaths((c)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF*..2 /*hops*/]-(p))
RETURN c.id AS cadre_id, p.id AS person_id, co AS company, idn AS shared, kin, contracts
