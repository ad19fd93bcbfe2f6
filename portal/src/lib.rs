//! ENT's portal: the user's session, one-level navigation, and the home page assembled from portlet fragments.
