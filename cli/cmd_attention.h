/* cmd_attention.h — `whisk attention`: runs wk_attention on .npy files. */
#ifndef WK_CMD_ATTENTION_H
#define WK_CMD_ATTENTION_H

/* argv[0] is "attention".  Returns the process exit code: 0 on success, 1 when the inputs or
 * the run fail, 2 for usage errors.  Messages go to stderr as "whisk attention: ...". */
int wk_cmd_attention(int argc, char **argv);

#endif
