package dev.persistentconnection.tasks;

/**
 * The run function of {@link TaskHandler#of}: the answer is computed in one go, so the server sends it as the final
 * OK frame itself (data and the end marker in one frame) rather than a chunk followed by an empty end frame.
 * Called directly, it behaves like any run function.
 */
record WholeAnswer(TaskHandler.PayloadFunction function, byte[] payload) implements TaskRun {

    byte[] compute() throws Exception {
        byte[] answer = function.apply(payload);
        if (answer == null) {
            throw new NullPointerException("the payload function of a TaskHandler.of returned null");
        }
        return answer;
    }

    @Override
    public void run(TaskContext context) throws Exception {
        context.write(compute());
    }
}
