//! What every ENT portlet shares: token verification, the Identity and its entitlements, fragment conventions, storage, test helpers.
