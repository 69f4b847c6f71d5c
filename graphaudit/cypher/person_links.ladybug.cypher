// person_links — 一人一档 (embedded dialect: label() of a relationship and node).
// Used by the person card (graphaudit.api.people).
// Parameters:
//   id  the resident id (or register key)
MATCH (p:Person {id: $id})-[r]->(n)
RETURN label(r) AS type, true AS out, label(n) AS label, n.id AS id
UNION ALL
MATCH (p:Person {id: $id})<-[r]-(n)
RETURN label(r) AS type, false AS out, label(n) AS label, n.id AS id
