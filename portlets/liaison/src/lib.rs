//! The liaison notebook (carnet de liaison) portlet.
