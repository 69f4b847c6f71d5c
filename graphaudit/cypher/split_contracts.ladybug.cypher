// split_contracts — 化整为零规避招标 (LadybugDB dialect: label() for labels() and type())
// Lists the contracts below the tender threshold with their issuing organisation, contractor and the people
// or companies behind the contractor (legal representative, shareholders).  graphaudit then groups, per
// organisation, contracts to one contractor or to related contractors (a common legal representative or
// shareholder, or one controlling the other), and flags `min_contracts` or more of them signed within
// `window_days` days whose total reaches the threshold.
// Parameters:
//   $threshold      default 100000 yuan (tender threshold; each contract below it, together at or above it)
//   window_days     default 90 (1–3650), applied by graphaudit: first and last signing dates at most this apart
//   min_contracts   default 3 (2–50), applied by graphaudit
// Returns one row per contract below the threshold.
MATCH (o:Org)-[:ISSUED]->(k:Contract)-[:AWARDED_TO]->(x)
WHERE k.amount < $threshold
OPTIONAL MATCH (p)-[r:LEGAL_REP_OF|SHAREHOLDER_OF]->(x)
WITH o, k, x, CASE WHEN p IS NULL THEN NULL ELSE {id: p.id, name: p.name, label: label(p), type: label(r)} END AS controller
RETURN o.id AS org_code, o.name AS org_name, k.id AS contract_id, k.title AS title, k.amount AS amount,
       k.sign_date AS sign_date, k.approver_id AS approver_id, x AS contractor,
       collect(controller) AS controllers
