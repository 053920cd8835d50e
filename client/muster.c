/* placeholder: written in the foundation issue */
int main(void);
int main(void) { return 1; }
