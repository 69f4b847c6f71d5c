// undeclared_kin_benefit — 干部近亲属享受低保未备案
// The first of its two queries: every 备案; the second is cadre_family_beneficiary (hops marked /*hops*/, default
// 2, township posts not counted).  graphaudit drops the payments a 备案 dated on or before the pay date covers.
// Every 备案 (the declarations register): which cadre declared which relative, for which programme (empty =
// every programme), on which date.  Used by undeclared_kin_benefit and cadre_family_beneficiary.
// Parameters: hops default 2 (1–4), in the cadre_family_beneficiary query.
MATCH (c:Person)-[d:DECLARED]->(r:Person)
RETURN c.id AS cadre_id, r.id AS relative_id, d.program AS program, d.declare_date AS declare_date
