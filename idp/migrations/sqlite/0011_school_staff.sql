-- The directory API's staff of a school: the people holding a role in it are found from the
-- school (the primary key starts with the person).
CREATE INDEX staff_roles_school ON staff_roles(school_id);
