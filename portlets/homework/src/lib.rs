//! The homework diary (cahier de textes) portlet.
