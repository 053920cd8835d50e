/* placeholder: written in the foundation issue */
