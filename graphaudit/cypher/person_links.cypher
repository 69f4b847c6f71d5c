// person_links — 一人一档: everything one person is joined to, one row per relationship.
// Used by the person card (graphaudit.api.people): kin, household, payments received and approved,
// contracts approved or awarded, companies, accounts and phones.
// Parameters:
//   id  the resident id (or register key)
MATCH (p:Person {id: $id})-[r]-(n)
RETURN type(r) AS type, startNode(r) = p AS out, labels(n)[0] AS label, n.id AS id
ORDER BY type, id
