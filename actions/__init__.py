"""MapBot's custom actions (rasa-sdk): ask, understand, hand each answer to the portal."""
