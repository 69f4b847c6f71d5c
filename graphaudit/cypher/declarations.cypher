// declarations — 村干部近亲属享受低保备案
// Every 备案 (the declarations register): which cadre declared which relative, for which programme (empty =
// every programme), on which date.  Used by undeclared_kin_benefit and cadre_family_beneficiary.
// Parameters: none.
MATCH (c:Person)-[d:DECLARED]->(r:Person)
RETURN c.id AS cadre_id, r.id AS relative_id, d.program AS program, d.declare_date AS declare_date
