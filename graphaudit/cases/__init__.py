"""Cases (线索): findings folded by subject (:mod:`graphaudit.cases.fold`), kept across loads and check runs
with their reviews and history in the state database (:mod:`graphaudit.cases.store`)."""
